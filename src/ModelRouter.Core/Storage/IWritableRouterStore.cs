using ModelRouter.Validation;

namespace ModelRouter.Storage;

/// <summary>
/// A store whose LLMs, routers and apps can be changed one at a time, each carrying its own revision for optimistic
/// concurrency, with referential rules and whole-configuration validation applied before anything is written.
/// </summary>
/// <remarks>
/// Implementations must be thread-safe and apply each change atomically: the check of revisions and rules, the
/// validation of the resulting configuration and the write happen as one step, so concurrent writers never lose an
/// update silently. A change is durable when <see cref="ApplyAsync"/> returns. After a successful change the store
/// signals its change token.
/// </remarks>
public interface IWritableRouterStore : IRouterStore
{
    /// <summary>Reads every item with its revision.</summary>
    /// <exception cref="RouterStoreUnavailableException">The store cannot be reached now; the same call may succeed later.</exception>
    ValueTask<RouterStoreContents> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Applies one change atomically and returns the contents right after it.</summary>
    /// <param name="change">The change, for example <see cref="RouterStoreChange.CreateRouter"/>.</param>
    /// <param name="validator">Validates the whole resulting configuration before it is written.</param>
    /// <param name="cancellationToken">Cancels the change before it is committed.</param>
    /// <exception cref="RouterStoreException">The change breaks a rule: see <see cref="RouterStoreException.Error"/>.</exception>
    /// <exception cref="RouterStoreUnavailableException">The store cannot be reached now; if it failed before the commit, nothing was changed.</exception>
    Task<RouterStoreContents> ApplyAsync(RouterStoreChange change, IModelRouterConfigValidator validator, CancellationToken cancellationToken = default);
}
