using ModelRouter.Configuration;

namespace ModelRouter.Storage;

/// <summary>An item of a store with its revision.</summary>
/// <typeparam name="T">The item type: <see cref="LlmConfig"/>, <see cref="RouterConfig"/> or <see cref="AppConfig"/>.</typeparam>
/// <param name="Item">The item.</param>
/// <param name="Revision">An opaque value that changes whenever the item is written; the HTTP ETag.</param>
public sealed record StoredItem<T>(T Item, string Revision)
    where T : class;
