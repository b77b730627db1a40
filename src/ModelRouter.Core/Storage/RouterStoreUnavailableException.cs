namespace ModelRouter.Storage;

/// <summary>
/// The store could not be reached: its database is down, refuses connections, or is locked or cannot be opened. The
/// same call may succeed later.
/// </summary>
/// <remarks>
/// <see cref="Exception.Message"/> and <see cref="Reason"/> name the store kind and the driver's reason with any password
/// masked, never the connection string; <see cref="Exception.InnerException"/> is the driver's own error. Callers answer
/// with 503 and <c>Retry-After</c>.
/// </remarks>
public sealed class RouterStoreUnavailableException : Exception
{
    /// <summary>Creates the exception for a store kind, with a reason safe to log.</summary>
    /// <param name="store">The store kind, for example <c>postgres</c>.</param>
    /// <param name="reason">What failed, without secrets, for example <c>Failed to connect to 127.0.0.1:5432: Connection refused</c>.</param>
    /// <param name="innerException">The driver's error.</param>
    public RouterStoreUnavailableException(string store, string reason, Exception? innerException)
        : base($"The ModelRouter store '{store}' is unavailable: {reason}", innerException)
    {
        Store = store;
        Reason = reason;
    }

    /// <summary>Creates the exception.</summary>
    public RouterStoreUnavailableException()
        : this("unknown", "the store did not answer", null)
    {
    }

    /// <summary>Creates the exception with a reason.</summary>
    public RouterStoreUnavailableException(string message)
        : this("unknown", message, null)
    {
    }

    /// <summary>Creates the exception with a reason and cause.</summary>
    public RouterStoreUnavailableException(string message, Exception innerException)
        : this("unknown", message, innerException)
    {
    }

    /// <summary>Gets the store kind, for example <c>postgres</c> or <c>sqlite</c>.</summary>
    public string Store { get; }

    /// <summary>Gets what failed, safe to log: passwords are masked.</summary>
    public string Reason { get; }
}
