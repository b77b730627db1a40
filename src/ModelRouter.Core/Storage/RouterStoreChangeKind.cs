namespace ModelRouter.Storage;

/// <summary>What a change does to its item.</summary>
public enum RouterStoreChangeKind
{
    /// <summary>Adds an item that must not exist yet.</summary>
    Create,

    /// <summary>Replaces an item that must exist.</summary>
    Replace,

    /// <summary>Removes an item that must exist.</summary>
    Delete,

    /// <summary>Replaces everything the store holds.</summary>
    Import,
}
