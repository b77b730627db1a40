namespace ModelRouter.Storage;

/// <summary>Why a store refused a change.</summary>
public enum RouterStoreError
{
    /// <summary>The item does not exist (HTTP 404).</summary>
    NotFound,

    /// <summary>An item with that key already exists (HTTP 409).</summary>
    AlreadyExists,

    /// <summary>The item changed since the expected revision was read (HTTP 412).</summary>
    RevisionMismatch,

    /// <summary>The item is still referenced, for example an LLM used by routers (HTTP 409).</summary>
    InUse,

    /// <summary>The resulting configuration is invalid; <see cref="RouterStoreException.Errors"/> lists every problem (HTTP 400).</summary>
    Invalid,

    /// <summary>The store cannot be written, for example configuration files (HTTP 405).</summary>
    ReadOnly,
}
