using ModelRouter.Storage;

namespace ModelRouter.Tests.Storage;

public class StoreFailureTests
{
    [Test]
    public void Describe_ErrorAndCauses_JoinsTheirMessages()
    {
        var error = new InvalidOperationException("Failed to connect to 127.0.0.1:5432", new IOException("Connection refused"));

        var text = StoreFailure.Describe(error, "Host=127.0.0.1;Port=5432;Username=u");

        Assert.That(text, Is.EqualTo("Failed to connect to 127.0.0.1:5432: Connection refused"));
    }

    [TestCase("Host=127.0.0.1;Username=u;Password=hunter2-pw", "hunter2-pw")]
    [TestCase("Server=127.0.0.1;User Id=u;Pwd='hunter2;pw'", "hunter2;pw")]
    public void Describe_DriverEchoesThePasswordOrTheConnectionString_MasksBoth(string connectionString, string password)
    {
        var error = new InvalidOperationException($"login with {password} failed", new InvalidOperationException($"bad connection string: {connectionString}"));

        var text = StoreFailure.Describe(error, connectionString);

        Assert.That(text, Does.Not.Contain(password).And.Not.Contain(connectionString).And.Contain("********"));
    }
}
