namespace ModelRouter.Upstream;

/// <summary>
/// Follows a server-sent event stream across chunk boundaries without allocating: bounds the size of each event, notes
/// where events end (a blank line) and, when asked, finds the <c>data: [DONE]</c> (or <c>data:[DONE]</c>) line.
/// </summary>
/// <remarks>
/// Only the first bytes of each line go through the state machine; the rest of a line is skipped with a vectorized
/// search for the next line break, so the cost per streamed byte stays close to a memory scan. An event's size counts
/// every byte from the end of the previous event (comments and field lines included) to its own blank line: what an
/// SSE parser may have to hold while it reads the event.
/// </remarks>
internal struct SseEventScanner
{
    private const int LineStart = 0;
    private const int MidLine = -1;
    private readonly int _maxEventBytes;
    private readonly bool _findDone;
    private int _state;
    private bool _afterCr;
    private long _eventBytes;

    /// <summary>Creates a scanner.</summary>
    /// <param name="maxEventBytes">The largest event accepted, in bytes.</param>
    /// <param name="findDone">Whether to look for the <c>data: [DONE]</c> line that ends an OpenAI stream.</param>
    public SseEventScanner(int maxEventBytes, bool findDone)
    {
        _maxEventBytes = maxEventBytes;
        _findDone = findDone;
    }

    /// <summary>Gets a value indicating whether a <c>[DONE]</c> line was seen; nothing after it is scanned.</summary>
    public bool SawDone { get; private set; }

    /// <summary>Gets a value indicating whether at least one event ended (a blank line was seen).</summary>
    public bool SawEventEnd { get; private set; }

    /// <summary>Gets where, in the chunk last scanned, the last event that ended there ends (after its blank line); -1 when none did.</summary>
    public int LastEventEnd { get; private set; }

    /// <summary>Feeds the next bytes of the stream.</summary>
    /// <returns>How many bytes of <paramref name="chunk"/> belong to the stream: all of them, or those up to the end of <c>[DONE]</c>.</returns>
    /// <exception cref="InvalidUpstreamResponseException">An event is larger than the limit.</exception>
    public int Scan(ReadOnlySpan<byte> chunk)
    {
        // Where the current event's bytes begin in this chunk (it may have begun in an earlier one).
        var eventStart = 0;
        var i = 0;
        LastEventEnd = -1;
        while (i < chunk.Length && !SawDone)
        {
            if (_state == MidLine)
            {
                // Nothing on the rest of this line can matter: jump past its end (SSE lines end in LF, CR or CRLF).
                var lineBreak = chunk[i..].IndexOfAny((byte)'\n', (byte)'\r');
                if (lineBreak < 0)
                {
                    i = chunk.Length;
                    break;
                }

                i += lineBreak;
                _afterCr = chunk[i] == (byte)'\r';
                _state = LineStart;
                i++;
                continue;
            }

            var b = chunk[i++];
            if (b is (byte)'\n' or (byte)'\r')
            {
                // A line break at the start of a line is a blank line, and ends the event; the LF of a CRLF is not one.
                var secondHalfOfCrLf = b == (byte)'\n' && _afterCr;
                _afterCr = b == (byte)'\r';
                if (_state == LineStart && !secondHalfOfCrLf)
                {
                    Count(i - eventStart);
                    _eventBytes = 0;
                    eventStart = i;
                    SawEventEnd = true;
                    LastEventEnd = i;
                }

                _state = LineStart;
                continue;
            }

            _afterCr = false;
            if (_findDone)
            {
                Step(b);
            }
            else
            {
                _state = MidLine;
            }
        }

        Count(i - eventStart);
        return SawDone ? i : chunk.Length;
    }

    /// <summary>Adds bytes to the current event and fails once it is over the limit.</summary>
    private void Count(int bytes)
    {
        _eventBytes += bytes;
        if (_eventBytes > _maxEventBytes)
        {
            throw new InvalidUpstreamResponseException($"The vendor sent a stream event larger than the {_maxEventBytes} byte limit.");
        }
    }

    /// <summary>Advances the state machine by one byte of a line's start that is not a line break.</summary>
    private void Step(byte b)
    {
        ReadOnlySpan<byte> prefix = "data:"u8;
        ReadOnlySpan<byte> done = "[DONE]"u8;

        // States: 0..4 matching "data:", 5 after it (an optional space), 6..11 matching "[DONE]".
        switch (_state)
        {
            case < 5:
                _state = b == prefix[_state] ? _state + 1 : MidLine;
                break;
            case 5 when b == (byte)' ':
                _state = 6;
                break;
            default:
                var index = _state - (_state == 5 ? 5 : 6);
                if (b == done[index])
                {
                    _state = (_state == 5 ? 6 : _state) + 1;
                    SawDone = index == done.Length - 1;
                }
                else
                {
                    _state = MidLine;
                }

                break;
        }
    }
}
