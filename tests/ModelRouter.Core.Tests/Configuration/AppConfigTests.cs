using ModelRouter.Configuration;

namespace ModelRouter.Tests.Configuration;

public class AppConfigTests
{
    [Test]
    public void ToString_HidesTheKey()
    {
        var app = new AppConfig { Name = "team-a", ApiKey = "app-key-very-secret-77", Routers = ["prod", "dev"] };

        Assert.That(app.ToString(), Does.Contain("team-a").And.Contain("prod, dev").And.Contain("***").And.Not.Contain("app-key-very-secret-77"));
    }
}
