using System.Net;
using ModelRouter.Model;
using ModelRouter.Configuration;
using ModelRouter.Upstream;

namespace ModelRouter.Tests.Upstream;

public class SecretScrubberTests
{
    private const string Key = "sk-proj-Abc123Def456Ghi789";

    private static SecretScrubber For(string? apiKey, params (string Name, string Value)[] headers)
        => SecretScrubber.For(new LlmConfig { Id = "x", ApiKey = apiKey, Headers = [.. headers.Select(h => new HeaderConfig { Name = h.Name, Value = h.Value })] });

    [Test]
    public void Scrub_TextWithoutSecrets_ReturnsTheSameInstance()
    {
        var text = "Invalid value for 'temperature'.";

        Assert.That(For(Key).Scrub(text), Is.SameAs(text));
    }

    [TestCase("Incorrect API key provided: " + Key + ".", "Incorrect API key provided: ********.")]
    [TestCase("Authorization: Bearer " + Key, "Authorization: Bearer ********")]
    [TestCase(Key + Key, "********")]
    [TestCase(Key + " and again " + Key, "******** and again ********")]
    [TestCase("cut short: sk-proj-Abc123De...", "cut short: ********...")]
    [TestCase("too short to tell: sk-proj-Abc123D...", "too short to tell: sk-proj-Abc123D...")]
    [TestCase("at the end: sk-proj-Abc123Def", "at the end: ********")]
    [TestCase("other key: sk-proj-Zzz999", "other key: sk-proj-Zzz999")]
    public void Scrub_Key_MaskedWhereverItOrALongEnoughStartOfItAppears(string text, string expected)
    {
        Assert.That(For(Key).Scrub(text), Is.EqualTo(expected));
    }

    [Test]
    public void Scrub_HeaderValues_MaskedWholeAndByTheirLastToken()
    {
        var scrubber = For(null, ("Authorization", "Bearer tok-0123456789abcdef"), ("X-Org", "org-secret-42"));

        Assert.Multiple(() =>
        {
            Assert.That(scrubber.Scrub("got 'Bearer tok-0123456789abcdef'"), Is.EqualTo("got '********'"));
            Assert.That(scrubber.Scrub("token tok-0123456789abcdef is revoked"), Is.EqualTo("token ******** is revoked"));
            Assert.That(scrubber.Scrub("org org-secret-42 unknown"), Is.EqualTo("org ******** unknown"));
        });
    }

    [Test]
    public void Scrub_OverlappingSecrets_AreMaskedOnce()
    {
        var scrubber = For(Key, ("Authorization", "Bearer " + Key));

        Assert.That(scrubber.Scrub("header: Bearer " + Key + "!"), Is.EqualTo("header: ********!"));
    }

    [Test]
    public void Scrub_ValuesShorterThanEightCharacters_AreNotSecrets()
    {
        var scrubber = For("short12", ("X-Feature", "beta"), ("X-Mode", "fast v2"));

        Assert.Multiple(() =>
        {
            Assert.That(scrubber.Scrub("short12 beta fast v2"), Is.EqualTo("short12 beta fast v2"));
            Assert.That(For(null).Scrub("anything"), Is.EqualTo("anything"));
        });
    }

    [Test]
    public void Scrub_SecretShorterThanThePrefixLength_MustMatchWhole()
    {
        var scrubber = For("abcd-12345");

        Assert.That(scrubber.Scrub("abcd-1234 vs abcd-12345"), Is.EqualTo("abcd-1234 vs ********"));
    }

    [Test]
    public void Scrub_ErrorInfo_MasksEveryField()
    {
        var error = new UpstreamErrorInfo("m " + Key, "t " + Key, "p " + Key, "c " + Key).MaskedWith(For(Key));

        Assert.That(error, Is.EqualTo(new UpstreamErrorInfo("m ********", "t ********", "p ********", "c ********")));
    }

    [TestCase(null, false)]
    [TestCase("identity", false)]
    [TestCase("IDENTITY", false)]
    [TestCase("gzip", true)]
    [TestCase("br", true)]
    [TestCase("identity, gzip", true)]
    [TestCase("zstd", true)]
    public void HasContentEncoding_OnlyIdentityOrNoneIsPlain(string? encoding, bool expected)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
        if (encoding is not null)
        {
            response.Content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);
        }

        Assert.That(UpstreamHttp.HasContentEncoding(response), Is.EqualTo(expected));
    }

    [TestCase("Incorrect API key provided: " + Key + ".", "Incorrect API key provided: **************************.")]
    [TestCase("cut short: sk-proj-Abc123De...", "cut short: ****************...")]
    [TestCase("too short to tell: sk-proj-Abc123D...", "too short to tell: sk-proj-Abc123D...")]
    [TestCase("other key: sk-proj-Zzz999", "other key: sk-proj-Zzz999")]
    public void MaskUtf8_Key_EveryByteOfItOrOfALongEnoughStartOfItIsOverwritten(string text, string expected)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);

        For(Key).MaskUtf8(bytes);

        Assert.That(System.Text.Encoding.UTF8.GetString(bytes), Is.EqualTo(expected));
    }

    [Test]
    public void StreamMask_KeyStartsInsideAFalseStartAtTheChunkEnd_IsStillFollowed()
    {
        // The first chunk ends with 12 leading bytes of the key, but the key itself begins at their last byte (its second 's').
        const string Secret = "sk-proj-abcsdef0123";
        var mask = new SecretStreamMask(For(Secret));
        var first = System.Text.Encoding.UTF8.GetBytes("x sk-proj-abcs");
        var second = System.Text.Encoding.UTF8.GetBytes("k-proj-abcsdef0123 y");

        mask.Mask(first);
        mask.Mask(second);

        Assert.That(System.Text.Encoding.UTF8.GetString(first) + System.Text.Encoding.UTF8.GetString(second), Is.EqualTo("x " + new string('*', 12) + new string('*', 18) + " y"));
    }

    [TestCase("keys look like sk-proj", "ect files", "keys look like sk-project files")]
    [TestCase("keys look like sk-proj-", "and so on", "keys look like ********and so on")]
    public void StreamMask_ChunkEndsWithTheStartOfAKeyThatDoesNotFollow_MaskedFrom8Bytes(string first, string second, string expected)
    {
        var mask = new SecretStreamMask(For(Key));
        var firstBytes = System.Text.Encoding.UTF8.GetBytes(first);
        var secondBytes = System.Text.Encoding.UTF8.GetBytes(second);

        mask.Mask(firstBytes);
        mask.Mask(secondBytes);

        Assert.That(System.Text.Encoding.UTF8.GetString(firstBytes) + System.Text.Encoding.UTF8.GetString(secondBytes), Is.EqualTo(expected));
    }
}
