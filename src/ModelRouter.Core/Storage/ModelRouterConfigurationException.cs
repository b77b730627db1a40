namespace ModelRouter.Storage;

/// <summary>A configuration that cannot be used, with every problem found.</summary>
public sealed class ModelRouterConfigurationException : Exception
{
    /// <summary>Creates the exception from a list of problems.</summary>
    public ModelRouterConfigurationException(IReadOnlyList<string> errors)
        : base("The ModelRouter configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception.</summary>
    public ModelRouterConfigurationException()
        : this(["unknown error"])
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ModelRouterConfigurationException(string message)
        : this([message])
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ModelRouterConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    /// <summary>Gets every problem found, each naming its path and the fix.</summary>
    public IReadOnlyList<string> Errors { get; }
}
