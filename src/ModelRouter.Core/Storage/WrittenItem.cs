namespace ModelRouter.Storage;

/// <summary>An item written by a change: its kind, key and new value (with the revision it now carries).</summary>
internal readonly record struct WrittenItem(RouterStoreItemKind Kind, string Key, object Item, long Position);
