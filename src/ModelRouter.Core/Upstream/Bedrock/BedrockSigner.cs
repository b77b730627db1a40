using System.Globalization;
using System.Text;
using Amazon.Runtime.Internal.Auth;
using ModelRouter.Configuration;

namespace ModelRouter.Upstream.Bedrock;

/// <summary>The AWS credentials a request is signed with; the secret never leaves the signer.</summary>
internal sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken)
{
    /// <summary>The LLM's <c>accessKeyId</c> with its <c>apiKey</c> as the secret, else the standard AWS environment variables.</summary>
    /// <returns><see langword="null"/> when neither gives a key id and a secret.</returns>
    public static AwsCredentials? Resolve(LlmConfig llm)
    {
        if (!string.IsNullOrEmpty(llm.AccessKeyId) && !string.IsNullOrEmpty(llm.ApiKey))
        {
            return new AwsCredentials(llm.AccessKeyId, llm.ApiKey, null);
        }

        var id = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        return string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret)
            ? null
            : new AwsCredentials(id, secret, Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN") is { Length: > 0 } token ? token : null);
    }

    /// <inheritdoc/>
    public override string ToString() => $"AwsCredentials {{ AccessKeyId = {AccessKeyId} }}";
}

/// <summary>
/// Signs a request with AWS Signature Version 4. The canonical request (what is signed) is built here; the string to sign,
/// the key derivation and the HMACs are AWSSDK.Core's <see cref="AWS4Signer"/>, which also formats the
/// <c>Authorization</c> header.
/// </summary>
/// <remarks>
/// Signed: <c>host</c>, <c>x-amz-date</c>, <c>content-type</c> when there is a body, and <c>x-amz-security-token</c> with
/// temporary credentials. Headers configured on the LLM travel unsigned, which AWS accepts for headers that are not
/// <c>x-amz-*</c>. The canonical path encodes each segment of the path as sent once more, as every AWS service but S3 expects.
/// </remarks>
internal static class BedrockSigner
{
    /// <summary>The service name Bedrock's runtime signs under.</summary>
    public const string Service = "bedrock";

    /// <summary>Adds <c>X-Amz-Date</c>, <c>X-Amz-Security-Token</c> and <c>Authorization</c> to <paramref name="request"/>.</summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, string? contentType, AwsCredentials credentials, string region, string service, DateTime signedAt)
    {
        var amzDate = signedAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (credentials.SessionToken is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.SessionToken);
        }

        var (canonical, signedHeaders) = CanonicalRequest(request.Method.Method, request.RequestUri!, contentType, amzDate, credentials.SessionToken, body);
        var result = AWS4Signer.ComputeSignature(credentials.AccessKeyId, credentials.SecretAccessKey, region, signedAt, service, signedHeaders, canonical);
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
    }

    /// <summary>Builds the canonical request and its signed header list.</summary>
    public static (string Canonical, string SignedHeaders) CanonicalRequest(string method, Uri uri, string? contentType, string amzDate, string? sessionToken, ReadOnlySpan<byte> body)
    {
        var headers = new List<(string Name, string Value)>(4);
        if (contentType is not null)
        {
            headers.Add(("content-type", contentType));
        }

        headers.Add(("host", uri.IsDefaultPort ? uri.Host : string.Concat(uri.Host, ":", uri.Port.ToString(CultureInfo.InvariantCulture))));
        headers.Add(("x-amz-date", amzDate));
        if (sessionToken is not null)
        {
            headers.Add(("x-amz-security-token", sessionToken));
        }

        var canonical = new StringBuilder(512);
        canonical.Append(method).Append('\n');
        AppendCanonicalPath(canonical, uri.AbsolutePath);
        canonical.Append('\n');
        AppendCanonicalQuery(canonical, uri.Query);
        canonical.Append('\n');
        foreach (var (name, value) in headers)
        {
            canonical.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        var signedHeaders = string.Join(';', headers.Select(h => h.Name));
        canonical.Append('\n').Append(signedHeaders).Append('\n');
        canonical.Append(Convert.ToHexStringLower(AWS4Signer.ComputeHash(body.ToArray())));
        return (canonical.ToString(), signedHeaders);
    }

    /// <summary>Each segment of the path as sent (already percent-encoded), percent-encoded once more.</summary>
    private static void AppendCanonicalPath(StringBuilder canonical, string absolutePath)
    {
        if (absolutePath.Length == 0)
        {
            canonical.Append('/');
            return;
        }

        var first = true;
        foreach (var segment in absolutePath.Split('/'))
        {
            if (!first)
            {
                canonical.Append('/');
            }

            first = false;
            canonical.Append(Uri.EscapeDataString(segment));
        }
    }

    /// <summary>The query's parameters sorted by name, then value; each name and value encoded as RFC 3986 asks.</summary>
    private static void AppendCanonicalQuery(StringBuilder canonical, string query)
    {
        if (query.Length <= 1)
        {
            return;
        }

        var pairs = query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p =>
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(eq < 0 ? p : p[..eq]);
                var value = eq < 0 ? "" : Uri.UnescapeDataString(p[(eq + 1)..]);
                return (Name: Uri.EscapeDataString(name), Value: Uri.EscapeDataString(value));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        canonical.AppendJoin('&', pairs.Select(p => p.Name + "=" + p.Value));
    }
}
