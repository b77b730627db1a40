namespace ModelRouter.Storage;

/// <summary>The outcome of applying a change in memory: the new contents plus what a database must write.</summary>
internal sealed record RouterStoreWrite(
    RouterStoreContents Contents,
    long Revision,
    IReadOnlyList<WrittenItem> Upserts,
    IReadOnlyList<(RouterStoreItemKind Kind, string Key)> Deletes,
    bool ReplaceAll);
