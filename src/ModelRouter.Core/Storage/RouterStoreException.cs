using ModelRouter.Validation;

namespace ModelRouter.Storage;

/// <summary>A change a store refused, with the reason and every problem found.</summary>
public sealed class RouterStoreException : Exception
{
    private readonly IReadOnlyList<ModelRouterConfigError>? _fieldErrors;

    /// <summary>Creates the exception.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0027", Justification = "The field-error overload changed only its list type (ModelRouterConfigError); the two overloads take different lists.")]
    public RouterStoreException(RouterStoreError error, string message, IReadOnlyList<string>? errors = null)
        : base(message)
    {
        Error = error;
        Errors = errors ?? [message];
    }

    /// <summary>Creates the exception for an invalid change, naming the field of each problem.</summary>
    /// <param name="error">Why the change was refused, usually <see cref="RouterStoreError.Invalid"/>.</param>
    /// <param name="message">The summary.</param>
    /// <param name="fieldErrors">Every problem found, each with the path of its field in the validated configuration.</param>
    public RouterStoreException(RouterStoreError error, string message, IReadOnlyList<ModelRouterConfigError> fieldErrors)
        : base(message)
    {
        ArgumentNullException.ThrowIfNull(fieldErrors);
        Error = error;
        _fieldErrors = fieldErrors;
        Errors = [.. fieldErrors.Select(e => e.Message)];
    }

    /// <summary>Creates the exception.</summary>
    public RouterStoreException()
        : this(RouterStoreError.Invalid, "The change was refused.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RouterStoreException(string message)
        : this(RouterStoreError.Invalid, message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public RouterStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = RouterStoreError.Invalid;
        Errors = [message];
    }

    /// <summary>Gets why the change was refused.</summary>
    public RouterStoreError Error { get; }

    /// <summary>Gets every problem found; for <see cref="RouterStoreError.InUse"/>, one message per referencing item.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Gets every problem found with the path of its field; paths are empty where the reporter named no field.</summary>
    public IReadOnlyList<ModelRouterConfigError> FieldErrors => _fieldErrors ?? [.. Errors.Select(e => new ModelRouterConfigError("", e))];

    /// <summary>Gets the path of the changed item in the validated configuration (for example <c>routers[3]</c>), or <see langword="null"/> for an import.</summary>
    /// <remarks>Lets an API report the paths of <see cref="FieldErrors"/> relative to the item it was sent.</remarks>
    public string? ItemPath { get; init; }

    /// <summary>Gets the keys of the items that still reference the item, for <see cref="RouterStoreError.InUse"/>.</summary>
    public IReadOnlyList<string> ReferencedBy { get; init; } = [];
}
