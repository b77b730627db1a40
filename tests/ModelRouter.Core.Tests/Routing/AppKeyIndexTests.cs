using ModelRouter.Configuration;
using ModelRouter.Model;

namespace ModelRouter.Tests.Routing;

/// <summary>App key lookups, first verified by digest and then remembered: same answers either way.</summary>
public class AppKeyIndexTests
{
    private static readonly AppConfig s_alpha = new() { Name = "alpha", ApiKey = "key-alpha-0001", Routers = ["*"] };
    private static readonly AppConfig s_beta = new() { Name = "beta", ApiKey = "key-beta-0002", Routers = ["*"] };

    [Test]
    public void Find_ValidKeyAgain_ReturnsTheSameApp()
    {
        var index = new AppKeyIndex([s_alpha, s_beta]);

        Assert.Multiple(() =>
        {
            Assert.That(index.Find("key-alpha-0001")?.App, Is.SameAs(s_alpha));
            Assert.That(index.Find("key-alpha-0001")?.App, Is.SameAs(s_alpha));
            Assert.That(index.Find("key-beta-0002")?.App, Is.SameAs(s_beta));
            Assert.That(index.Find("key-beta-0002")?.App, Is.SameAs(s_beta));
        });
    }

    [TestCase("key-alpha-000")]
    [TestCase("key-alpha-00011")]
    [TestCase("key-alpha-0002")]
    [TestCase("KEY-ALPHA-0001")]
    [TestCase("")]
    public void Find_KeyCloseToARememberedOne_IsRejected(string presented)
    {
        var index = new AppKeyIndex([s_alpha]);
        Assert.That(index.Find("key-alpha-0001")?.App, Is.SameAs(s_alpha));

        Assert.Multiple(() =>
        {
            Assert.That(index.Find(presented), Is.Null);
            Assert.That(index.Find(presented), Is.Null);
            Assert.That(index.Find("key-alpha-0001")?.App, Is.SameAs(s_alpha));
        });
    }

    [Test]
    public void Find_MoreValidKeysThanSlots_AllStillFound()
    {
        var apps = Enumerable.Range(0, (AppKeyIndex.CacheSlots * 2) + 3)
            .Select(i => new AppConfig { Name = $"app-{i}", ApiKey = $"key-{i:D5}", Routers = ["*"] })
            .ToArray();
        var index = new AppKeyIndex(apps);

        for (var round = 0; round < 2; round++)
        {
            foreach (var app in apps)
            {
                Assert.That(index.Find(app.ApiKey)?.App, Is.SameAs(app));
            }
        }
    }

    [Test]
    public void Find_KeyOfAnotherSnapshot_IsNotRemembered()
    {
        var before = new AppKeyIndex([s_alpha]);
        Assert.That(before.Find("key-alpha-0001")?.App, Is.SameAs(s_alpha));

        var after = new AppKeyIndex([s_beta]);

        Assert.That(after.Find("key-alpha-0001"), Is.Null);
    }

    [Test]
    public void Find_HashedKeyAndTheKeyARotationReplaced_FoundAndTold()
    {
        var app = new AppConfig
        {
            Name = "gamma",
            ApiKeyHash = AppKeys.Hash("key-gamma-new-1"),
            PreviousApiKeyHash = AppKeys.Hash("key-gamma-old-1"),
            PreviousApiKeyExpiresAt = DateTimeOffset.UnixEpoch,
            Routers = ["*"],
        };
        var index = new AppKeyIndex([app]);

        Assert.Multiple(() =>
        {
            Assert.That(index.Find("key-gamma-new-1"), Is.EqualTo(new AppKeyMatch(app, Previous: false)));
            Assert.That(index.Find("key-gamma-old-1"), Is.EqualTo(new AppKeyMatch(app, Previous: true)));
            Assert.That(index.Find(AppKeys.Hash("key-gamma-new-1")), Is.Null, "the hash itself is no key");
            Assert.That(index.FindByName("GAMMA"), Is.SameAs(app));
        });
    }
}
