using System.Text;
using ModelRouter.Configuration;
using ModelRouter.Upstream.Bedrock;
using static ModelRouter.Testing.UpstreamTestKit;

namespace ModelRouter.Tests.Upstream.Bedrock;

/// <summary>The SigV4 signature of Bedrock requests: AWS's published test vectors, and the fake's independent check.</summary>
public class BedrockSignerTests
{
    private static readonly AwsCredentials s_example = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private static readonly DateTime s_exampleTime = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);

    [Test]
    public void Sign_AwsTestSuiteGetVanilla_GivesThePublishedSignature()
    {
        // aws-sig-v4-test-suite, get-vanilla: GET / to example.amazonaws.com, service "service", us-east-1.
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        BedrockSigner.Sign(request, [], contentType: null, s_example, "us-east-1", "service", s_exampleTime);

        Assert.That(request.Headers.GetValues("Authorization").Single(), Is.EqualTo(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
        Assert.That(request.Headers.GetValues("X-Amz-Date").Single(), Is.EqualTo("20150830T123600Z"));
    }

    [Test]
    public void Sign_AwsDocumentationIamListUsers_GivesThePublishedSignature()
    {
        // The worked example of AWS's SigV4 documentation: IAM ListUsers, with a query string and a Content-Type.
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://iam.amazonaws.com/?Version=2010-05-08&Action=ListUsers");

        BedrockSigner.Sign(request, [], "application/x-www-form-urlencoded; charset=utf-8", s_example, "us-east-1", "iam", s_exampleTime);

        Assert.That(request.Headers.GetValues("Authorization").Single(), Does.EndWith(
            "SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"));
    }

    [Test]
    public void Sign_SessionToken_IsSentAndSigned()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse");

        BedrockSigner.Sign(request, "{}"u8, "application/json", s_example with { SessionToken = "session-token-value" }, "us-east-1", "bedrock", s_exampleTime);

        Assert.That(request.Headers.GetValues("X-Amz-Security-Token").Single(), Is.EqualTo("session-token-value"));
        Assert.That(request.Headers.GetValues("Authorization").Single(), Does.Contain("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"));
    }

    [Test]
    public void CreateRequest_ModelIdWithColon_IsEscapedInThePathAndSignedEncodedTwice()
    {
        var llm = new LlmConfig { Id = "br", Provider = ProviderKinds.Bedrock, BaseUrl = "https://bedrock-runtime.eu-west-1.amazonaws.com", AccessKeyId = "AKIDEXAMPLE", ApiKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
        var adapter = new BedrockProviderAdapter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(s_exampleTime)));

        using var request = adapter.CreateRequest(Context("""{"model":"gpt-4","messages":[{"role":"user","content":"Hi"}]}""", llm, targetModel: "anthropic.claude-3-haiku-20240307-v1:0"));
        var (canonical, _) = BedrockSigner.CanonicalRequest("POST", request.RequestUri!, "application/json", "20150830T123600Z", null, Encoding.UTF8.GetBytes(request.Content!.ReadAsStringAsync().Result));

        Assert.That(request.RequestUri!.AbsolutePath, Is.EqualTo("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"));
        Assert.That(canonical, Does.StartWith("POST\n/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse\n\n"));
        Assert.That(request.Headers.GetValues("Authorization").Single(), Does.StartWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/bedrock/aws4_request"), "the region comes from the endpoint's host");
        Assert.That(request.ToString() + request.Headers, Does.Not.Contain("wJalrXUtnFEMI"), "the secret is never sent");
    }
}
