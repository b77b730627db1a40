namespace ModelRouter.Storage;

/// <summary>Creates the store named by <c>ModelRouter:store:kind</c>; store packages register one each.</summary>
/// <remarks>Register with <c>TryAddEnumerable</c>; <c>AddModelRouter(configuration)</c> picks the one whose <see cref="Kind"/> matches.</remarks>
public interface IRouterStoreFactory
{
    /// <summary>Gets the store kind this factory creates, for example <c>sqlite</c> (case-insensitive).</summary>
    string Kind { get; }

    /// <summary>Creates the store.</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="settings">The <c>ModelRouter:store</c> settings.</param>
    IRouterStore Create(IServiceProvider services, RouterStoreSettings settings);
}
