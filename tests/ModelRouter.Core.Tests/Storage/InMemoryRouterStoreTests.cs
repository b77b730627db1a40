using ModelRouter.Storage;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Storage;

public class InMemoryRouterStoreTests
{
    [Test]
    public async Task GetConfigAsync_New_ReturnsTheConfigurationWithRevisionOne()
    {
        var store = new InMemoryRouterStore(OnePool("a"));

        var config = await store.GetConfigAsync();

        Assert.Multiple(() =>
        {
            Assert.That(config.Revision, Is.EqualTo("1"));
            Assert.That(config.Llms.Single().Id, Is.EqualTo("a"));
        });
    }

    [Test]
    public async Task Update_NewConfiguration_FiresTheChangeTokenAndBumpsTheRevision()
    {
        var store = new InMemoryRouterStore(OnePool("a"));
        var token = store.GetChangeToken();

        store.Update(OnePool("b"));
        var config = await store.GetConfigAsync();

        Assert.Multiple(() =>
        {
            Assert.That(token.HasChanged, Is.True);
            Assert.That(store.GetChangeToken().HasChanged, Is.False);
            Assert.That(config.Revision, Is.EqualTo("2"));
            Assert.That(config.Llms.Single().Id, Is.EqualTo("b"));
        });
    }

    [Test]
    public async Task Update_ExplicitRevision_IsReplacedByTheStoresOwn()
    {
        // The store owns revisions (they are the ETags of the admin API): a caller's revision, even one that
        // happens to equal the next number, must never make a change look unchanged.
        var store = new InMemoryRouterStore(OnePool("a"));
        var before = (await store.GetConfigAsync()).Revision;

        store.Update(OnePool("b") with { Revision = before });

        Assert.That((await store.GetConfigAsync()).Revision, Is.Not.EqualTo(before));
    }

    [Test]
    public async Task Update_ConfigurationReadBackAndEdited_GetsANewRevision()
    {
        var store = new InMemoryRouterStore(OnePool("a"));
        var current = await store.GetConfigAsync();

        // Read-modify-write carries the old revision along; the change must still be seen as a change.
        store.Update(current with { Llms = [current.Llms[0] with { TimeoutSeconds = 5 }] });
        var updated = await store.GetConfigAsync();

        Assert.Multiple(() =>
        {
            Assert.That(updated.Llms[0].TimeoutSeconds, Is.EqualTo(5));
            Assert.That(updated.Revision, Is.Not.EqualTo(current.Revision));
        });
    }

    [Test]
    public void Update_ConcurrentWithChangeTokenReads_NeverThrows()
    {
        var store = new InMemoryRouterStore(OnePool("a"));

        Assert.That(
            () => Parallel.For(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                if (i % 2 == 0)
                {
                    store.Update(OnePool("a"));
                }
                else
                {
                    _ = store.GetChangeToken();
                }
            }),
            Throws.Nothing);
    }

    [Test]
    public void Constructor_Null_Throws() => Assert.That(() => new InMemoryRouterStore(null!), Throws.ArgumentNullException);
}
