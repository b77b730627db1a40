namespace ModelRouter.Tests.Routing;

/// <summary>One table gives every error kind its HTTP status and OpenAI type and code.</summary>
public sealed class ModelRouterErrorsTests
{
    [TestCaseSource(nameof(Kinds))]
    public void Kind_HasAStatusAndAType(ModelRouterErrorKind kind)
    {
        var error = new ModelRouterException(kind, "message");

        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.InRange(400, 599));
            Assert.That(error.ErrorType, Is.Not.Null.And.Not.Empty);
        });
    }

    [Test]
    public void Internal_Is500ServerError_AndTheDefaultOfTheMessageOnlyConstructors()
    {
        var error = new ModelRouterException("something broke");

        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ModelRouterErrorKind.Internal));
            Assert.That(error.StatusCode, Is.EqualTo(500));
            Assert.That(error.ErrorType, Is.EqualTo("server_error"));
            Assert.That(error.ErrorCode, Is.EqualTo("internal_error"));
        });
    }

    [TestCase(ModelRouterErrorKind.Unauthorized, 401, "authentication_error", "invalid_api_key")]
    [TestCase(ModelRouterErrorKind.ModelNotFound, 404, "invalid_request_error", "model_not_found")]
    [TestCase(ModelRouterErrorKind.RateLimited, 429, "rate_limit_error", "rate_limit_exceeded")]
    [TestCase(ModelRouterErrorKind.AllVendorsFailed, 502, "upstream_error", "vendors_failed")]
    [TestCase(ModelRouterErrorKind.NoAvailableVendor, 503, "service_unavailable_error", "no_available_vendor")]
    [TestCase(ModelRouterErrorKind.NotConfigured, 503, "service_unavailable_error", "not_configured")]
    [TestCase(ModelRouterErrorKind.UpstreamTimeout, 504, "upstream_error", "upstream_timeout")]
    [TestCase(ModelRouterErrorKind.UpstreamRejected, 400, "invalid_request_error", null)]
    public void Kind_MapsAsDocumented(ModelRouterErrorKind kind, int status, string type, string? code)
    {
        var error = new ModelRouterException(kind, "message");

        Assert.That((error.StatusCode, error.ErrorType, error.ErrorCode), Is.EqualTo((status, type, code)));
    }

    private static ModelRouterErrorKind[] Kinds() => Enum.GetValues<ModelRouterErrorKind>();
}
