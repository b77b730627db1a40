using System.Text;
using ModelRouter.Upstream;

namespace ModelRouter.Tests.Upstream;

public class AnswerReaderTests
{
    [TestCase("""{"id":"x","model":"gpt-4o-2024","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}}""", 12, 34)]
    [TestCase("""{"usage" : { "prompt_tokens_details":{"cached_tokens":7,"audio_tokens":0}, "prompt_tokens" : 5, "completion_tokens":6 }}""", 5, 6)]
    [TestCase("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n", 1, 2)]
    [TestCase("""{"usage":{"input_tokens":3,"output_tokens":4}}""", 3, 4)]
    public void TryReadUsage_AnswerWithUsage_ReadsTheCounts(string answer, long input, long output)
    {
        var found = AnswerReader.TryReadUsage(Encoding.UTF8.GetBytes(answer), out var inputTokens, out var outputTokens);

        Assert.Multiple(() =>
        {
            Assert.That(found, Is.True);
            Assert.That(inputTokens, Is.EqualTo(input));
            Assert.That(outputTokens, Is.EqualTo(output));
        });
    }

    [TestCase("""{"id":"x","choices":[{"message":{"content":"say \"usage\": {\"prompt_tokens\":9}"}}]}""")]
    [TestCase("""{"usage":null}""")]
    [TestCase("""{"usage":{"prompt_tokens":"many"}}""")]
    [TestCase("""{"choices":[]}""")]
    [TestCase("""data: {"choices":[],"usage":{"prompt_to""")]
    public void TryReadUsage_NoUsableUsage_FindsNone(string answer)
    {
        Assert.That(AnswerReader.TryReadUsage(Encoding.UTF8.GetBytes(answer), out _, out _), Is.False);
    }

    [TestCase("""{"id":"x","object":"chat.completion","model":"gpt-4o-2024","choices":[{"message":{"content":"model"}}]}""", "gpt-4o-2024")]
    [TestCase("data: {\"id\":\"c\",\"model\" : \"claude-x\",\"choices\":[]}\n\n", "claude-x")]
    [TestCase("""{"id":"x","choices":[]}""", null)]
    [TestCase("""{"model":42}""", null)]
    public void ReadModel_Answer_ReadsTheAnswersModel(string answer, string? model)
    {
        Assert.That(AnswerReader.ReadModel(Encoding.UTF8.GetBytes(answer)), Is.EqualTo(model));
    }

    // The usage-only event, found whole (its blank line included) among whole events.
    [TestCase("data: {\"choices\":[{\"delta\":{}}],\"usage\":null}\n\n|data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1}}\n\n|data: [DONE]\n\n")]
    [TestCase("|data: {\"id\":\"x\",\"choices\" : [ ],\"usage\":{\"prompt_tokens\":1}}\r\n\r\n|")]
    [TestCase("data: {}\r\r|data:{\"usage\":{\"prompt_tokens\":1}}\r\r|")]
    public void TryFindUsageEvent_UsageOnlyEvent_FindsItWhole(string marked)
    {
        var parts = marked.Split('|');
        var events = Encoding.UTF8.GetBytes(string.Concat(parts));

        var found = AnswerReader.TryFindUsageEvent(events, out var start, out var length);

        Assert.Multiple(() =>
        {
            Assert.That(found, Is.True);
            Assert.That(Encoding.UTF8.GetString(events, start, length), Is.EqualTo(parts[1]));
        });
    }

    // Usage with choices, usage null, no usage, usage quoted inside a string, an event of two lines, a line that is not data.
    [TestCase("data: {\"choices\":[{\"delta\":{}}],\"usage\":{\"prompt_tokens\":1}}\n\n")]
    [TestCase("data: {\"choices\":[],\"usage\":null}\n\n")]
    [TestCase("data: {\"choices\":[]}\n\ndata: [DONE]\n\n")]
    [TestCase("data: {\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\":{}\"}}]}\n\n")]
    [TestCase("event: usage\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":1}}\n\n")]
    [TestCase("data: {\"choices\":[]}\ndata: {\"usage\":{\"prompt_tokens\":1}}\n\n")]
    public void TryFindUsageEvent_NoUsageOnlyEvent_FindsNone(string events)
    {
        Assert.That(AnswerReader.TryFindUsageEvent(Encoding.UTF8.GetBytes(events), out _, out _), Is.False);
    }
}
