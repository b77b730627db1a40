using System.Text.Json;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>Sampling parameters and tools: the second half of the OpenAI to Anthropic request translation.</summary>
internal static partial class AnthropicRequestTranslator
{
    private static void WriteSampling(Utf8JsonWriter writer, JsonElement root)
    {
        foreach (var name in (ReadOnlySpan<string>)["temperature", "top_p"])
        {
            if (TryGet(root, name, out var value))
            {
                if (value.ValueKind != JsonValueKind.Number)
                {
                    throw Invalid($"'{name}' must be a number.", name);
                }

                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
        }

        if (TryGet(root, "stop", out var stop))
        {
            writer.WriteStartArray("stop_sequences"u8);
            if (stop.ValueKind == JsonValueKind.String)
            {
                writer.WriteStringValue(stop.GetString());
            }
            else if (stop.ValueKind == JsonValueKind.Array)
            {
                foreach (var sequence in stop.EnumerateArray())
                {
                    if (sequence.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid("'stop' must be a string or an array of strings.", "stop");
                    }

                    writer.WriteStringValue(sequence.GetString());
                }
            }
            else
            {
                throw Invalid("'stop' must be a string or an array of strings.", "stop");
            }

            writer.WriteEndArray();
        }
    }

    private static void WriteTools(Utf8JsonWriter writer, JsonElement root)
    {
        var hasTools = TryGet(root, "tools", out var tools);
        if (hasTools)
        {
            if (tools.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("'tools' must be an array.", "tools");
            }

            writer.WriteStartArray("tools"u8);
            var index = 0;
            foreach (var tool in tools.EnumerateArray())
            {
                var path = $"tools[{index++}]";
                if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || !type.ValueEquals("function")
                    || !tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid($"{path}: only function tools are supported by this vendor.", path);
                }

                writer.WriteStartObject();
                writer.WriteString("name"u8, GetRequiredString(function, "name", $"{path}.function"));
                if (function.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String)
                {
                    writer.WriteString("description"u8, description.GetString());
                }

                writer.WritePropertyName("input_schema"u8);
                if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
                {
                    parameters.WriteTo(writer);
                }
                else
                {
                    // Anthropic requires a schema; OpenAI's default for a function without parameters is an empty object.
                    writer.WriteStartObject();
                    writer.WriteString("type"u8, "object");
                    writer.WriteStartObject("properties"u8);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        var disableParallel = TryGet(root, "parallel_tool_calls", out var parallel) && parallel.ValueKind == JsonValueKind.False;
        if (TryGet(root, "tool_choice", out var choice))
        {
            WriteToolChoice(writer, choice, disableParallel);
        }
        else if (hasTools && disableParallel)
        {
            WriteToolChoice(writer, "auto", null, disableParallel);
        }
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, JsonElement choice, bool disableParallel)
    {
        if (choice.ValueKind == JsonValueKind.String)
        {
            var value = choice.GetString();
            var type = value switch
            {
                "auto" => "auto",
                "none" => "none",
                "required" => "any",
                _ => throw Invalid($"'tool_choice' '{value}' is not supported; use auto, none, required or a named function.", "tool_choice"),
            };
            WriteToolChoice(writer, type, null, disableParallel);
            return;
        }

        if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("type", out var kind) && kind.ValueEquals("function")
            && choice.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
        {
            WriteToolChoice(writer, "tool", GetRequiredString(function, "name", "tool_choice.function"), disableParallel);
            return;
        }

        throw Invalid("'tool_choice' is not supported by this vendor; use auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}}.", "tool_choice");
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, string type, string? name, bool disableParallel)
    {
        writer.WriteStartObject("tool_choice"u8);
        writer.WriteString("type"u8, type);
        if (name is not null)
        {
            writer.WriteString("name"u8, name);
        }

        if (disableParallel && type != "none")
        {
            writer.WriteBoolean("disable_parallel_tool_use"u8, true);
        }

        writer.WriteEndObject();
    }
}
