using System.Diagnostics.CodeAnalysis;

namespace ModelRouter.Model;

/// <summary>
/// A compiled glob over model names: <c>*</c> matches any run of characters (including <c>/</c>), <c>?</c> one
/// character, <c>[abc]</c>, <c>[a-z]</c> and <c>[!a-z]</c> one character of (or not of) a class, and <c>\x</c>
/// the character <c>x</c> literally. The whole name must match; matching is case-sensitive.
/// </summary>
/// <remarks>Instances are immutable and thread-safe; matching allocates nothing.</remarks>
public sealed class GlobPattern
{
    private readonly Token[] _tokens;
    private readonly string? _literal;
    private readonly string? _prefix;
    private readonly bool _matchesAll;

    private GlobPattern(string pattern, Token[] tokens)
    {
        Pattern = pattern;
        _tokens = tokens;

        // Fast paths for the shapes almost every configuration uses: "*", "exact", "prefix*".
        if (tokens.Length == 1 && tokens[0].Kind == TokenKind.Star)
        {
            _matchesAll = true;
        }
        else if (tokens.All(t => t.Kind == TokenKind.Literal))
        {
            _literal = string.Concat(tokens.Select(t => t.Text));
        }
        else if (tokens.Length == 2 && tokens[0].Kind == TokenKind.Literal && tokens[1].Kind == TokenKind.Star)
        {
            _prefix = tokens[0].Text;
        }
    }

    /// <summary>Gets the pattern text as written.</summary>
    public string Pattern { get; }

    /// <summary>Gets a value indicating whether the pattern is <c>*</c>, which matches every name.</summary>
    internal bool MatchesAll => _matchesAll;

    /// <summary>Gets the one name the pattern matches when it holds no glob character (escapes resolved), else <see langword="null"/>.</summary>
    internal string? Literal => _literal;

    /// <summary>Gets the literal text every matching name starts with: the pattern up to its first glob character, escapes resolved.</summary>
    internal string LeadingText => _literal ?? (_tokens.Length > 0 && _tokens[0].Kind == TokenKind.Literal ? _tokens[0].Text : "");

    /// <summary>
    /// Tells whether every name <paramref name="other"/> matches is also matched by this pattern, where that can be
    /// decided from the shapes alone: this pattern is <c>*</c>, the same text, <c>prefix*</c> over a pattern whose leading
    /// text starts with that prefix, or any pattern matching the one name a literal <paramref name="other"/> stands for.
    /// </summary>
    /// <returns><see langword="false"/> also when coverage is possible but not decided here (two general globs).</returns>
    internal bool Covers(GlobPattern other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (_matchesAll || string.Equals(Pattern, other.Pattern, StringComparison.Ordinal))
        {
            return true;
        }

        if (other._literal is not null)
        {
            return IsMatch(other._literal);
        }

        return _prefix is not null && other.LeadingText.StartsWith(_prefix, StringComparison.Ordinal);
    }

    /// <summary>Parses a glob pattern.</summary>
    /// <param name="pattern">The pattern text.</param>
    /// <param name="glob">The compiled pattern, when valid.</param>
    /// <param name="error">Why the pattern is invalid, when it is.</param>
    /// <returns><see langword="true"/> when the pattern is valid.</returns>
    public static bool TryParse(string? pattern, [NotNullWhen(true)] out GlobPattern? glob, [NotNullWhen(false)] out string? error)
    {
        glob = null;
        if (string.IsNullOrEmpty(pattern))
        {
            error = "the pattern is empty; use '*' to match every model";
            return false;
        }

        var tokens = new List<Token>();
        var literal = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    FlushLiteral();
                    if (tokens.Count == 0 || tokens[^1].Kind != TokenKind.Star)
                    {
                        tokens.Add(new Token(TokenKind.Star));
                    }

                    break;
                case '?':
                    FlushLiteral();
                    tokens.Add(new Token(TokenKind.AnyChar));
                    break;
                case '\\':
                    if (i + 1 >= pattern.Length)
                    {
                        error = "the pattern ends with an unfinished escape '\\'";
                        return false;
                    }

                    literal.Append(pattern[++i]);
                    break;
                case '[':
                    FlushLiteral();
                    if (!TryParseClass(pattern, ref i, out var token, out error))
                    {
                        return false;
                    }

                    tokens.Add(token);
                    break;
                case ']':
                    error = $"unexpected ']' at position {i}; escape it as '\\]'";
                    return false;
                default:
                    literal.Append(c);
                    break;
            }
        }

        FlushLiteral();
        glob = new GlobPattern(pattern, [.. tokens]);
        error = null;
        return true;

        void FlushLiteral()
        {
            if (literal.Length > 0)
            {
                tokens.Add(new Token(TokenKind.Literal) { Text = literal.ToString() });
                literal.Clear();
            }
        }
    }

    /// <summary>Parses a glob pattern, throwing when it is invalid.</summary>
    /// <exception cref="FormatException">The pattern is invalid.</exception>
    public static GlobPattern Parse(string pattern)
        => TryParse(pattern, out var glob, out var error) ? glob : throw new FormatException($"Invalid glob '{pattern}': {error}.");

    /// <summary>Tells whether the whole <paramref name="text"/> matches the pattern. Metacharacters in the text are plain text.</summary>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        if (_matchesAll)
        {
            return true;
        }

        if (_literal is not null)
        {
            return text.SequenceEqual(_literal);
        }

        if (_prefix is not null)
        {
            return text.StartsWith(_prefix, StringComparison.Ordinal);
        }

        return MatchTokens(text);
    }

    /// <inheritdoc/>
    public override string ToString() => Pattern;

    // Classic single-backtrack-point wildcard matching: linear for typical patterns, O(n*m) at worst, no allocation.
    private bool MatchTokens(ReadOnlySpan<char> text)
    {
        var tokens = _tokens;
        int ti = 0, pos = 0, starToken = -1, starPos = 0;
        while (pos < text.Length || ti < tokens.Length)
        {
            if (ti < tokens.Length)
            {
                var token = tokens[ti];
                if (token.Kind == TokenKind.Star)
                {
                    starToken = ti++;
                    starPos = pos;
                    continue;
                }

                if (token.TryConsume(text, pos, out var consumed))
                {
                    ti++;
                    pos += consumed;
                    continue;
                }
            }

            if (starToken < 0 || starPos >= text.Length)
            {
                return false;
            }

            ti = starToken + 1;
            pos = ++starPos;
        }

        return true;
    }

    private static bool TryParseClass(string pattern, ref int i, out Token token, [NotNullWhen(false)] out string? error)
    {
        var start = i;
        i++;
        var negate = i < pattern.Length && (pattern[i] == '!' || pattern[i] == '^');
        if (negate)
        {
            i++;
        }

        var ranges = new List<(char From, char To)>();
        var first = true;
        while (i < pattern.Length && (pattern[i] != ']' || first))
        {
            first = false;
            var from = pattern[i];
            if (from == '\\' && i + 1 < pattern.Length)
            {
                from = pattern[++i];
            }

            var to = from;
            if (i + 2 < pattern.Length && pattern[i + 1] == '-' && pattern[i + 2] != ']')
            {
                to = pattern[i + 2];
                i += 2;
                if (to < from)
                {
                    token = default;
                    error = $"the class at position {start} has the reversed range '{from}-{to}'";
                    return false;
                }
            }

            ranges.Add((from, to));
            i++;
        }

        if (i >= pattern.Length)
        {
            token = default;
            error = $"the class opened by '[' at position {start} is never closed";
            return false;
        }

        token = new Token(TokenKind.Class) { Ranges = [.. ranges], Negate = negate };
        error = null;
        return true;
    }

    private enum TokenKind
    {
        Literal,
        AnyChar,
        Class,
        Star,
    }

    private readonly record struct Token(TokenKind Kind)
    {
        public string Text { get; init; } = "";

        public (char From, char To)[] Ranges { get; init; } = [];

        public bool Negate { get; init; }

        public bool TryConsume(ReadOnlySpan<char> text, int pos, out int consumed)
        {
            consumed = 0;
            switch (Kind)
            {
                case TokenKind.Literal:
                    if (text[pos..].StartsWith(Text, StringComparison.Ordinal))
                    {
                        consumed = Text.Length;
                        return true;
                    }

                    return false;
                case TokenKind.AnyChar:
                    consumed = 1;
                    return pos < text.Length;
                case TokenKind.Class:
                    if (pos >= text.Length)
                    {
                        return false;
                    }

                    var c = text[pos];
                    var inClass = false;
                    foreach (var (from, to) in Ranges)
                    {
                        if (c >= from && c <= to)
                        {
                            inClass = true;
                            break;
                        }
                    }

                    consumed = 1;
                    return inClass != Negate;
                default:
                    return false;
            }
        }
    }
}
