namespace ModelRouter.Upstream;

/// <summary>The vendor answered 2xx with a body that is not a valid response; counts as a vendor failure.</summary>
public sealed class InvalidUpstreamResponseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidUpstreamResponseException()
        : this("The vendor returned an invalid response.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public InvalidUpstreamResponseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public InvalidUpstreamResponseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
