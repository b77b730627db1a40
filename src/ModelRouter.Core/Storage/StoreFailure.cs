using System.Data.Common;

namespace ModelRouter.Storage;

/// <summary>Describes a store failure for logs and exceptions without the secrets of its connection string.</summary>
internal static class StoreFailure
{
    private const string Mask = "********";

    /// <summary>
    /// Joins the messages of an error and its causes (<c>Failed to connect to 127.0.0.1:5432: Connection refused</c>),
    /// masking the password of <paramref name="connectionString"/> and the connection string itself wherever a driver echoed them.
    /// </summary>
    public static string Describe(Exception error, string connectionString)
    {
        var messages = new List<string>();
        for (var e = error; e is not null && messages.Count < 4; e = e.InnerException)
        {
            var message = e.Message.Trim().TrimEnd('.');
            if (message.Length > 0 && !messages.Any(m => m.Contains(message, StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
        }

        var text = string.Join(": ", messages);
        foreach (var secret in Secrets(connectionString))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    private static IEnumerable<string> Secrets(string connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            yield break;
        }

        yield return connectionString;
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            yield break; // Not in key=value form: the whole string is already masked.
        }

        foreach (var key in new[] { "Password", "Pwd" })
        {
            if (builder.TryGetValue(key, out var value) && value is string { Length: > 0 } password)
            {
                yield return password;
            }
        }
    }
}
