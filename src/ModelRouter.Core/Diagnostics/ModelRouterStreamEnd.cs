namespace ModelRouter.Diagnostics;

/// <summary>How a streamed answer ended.</summary>
public enum ModelRouterStreamEnd
{
    /// <summary>The answer was not a stream, or no stream was opened.</summary>
    None,

    /// <summary>The vendor completed the stream and it was read to its end.</summary>
    Completed,

    /// <summary>The vendor's stream broke or went silent after it started; the client got an incomplete answer.</summary>
    Cut,

    /// <summary>The client stopped reading (disconnected or disposed the answer) before the stream was complete.</summary>
    ClientLeft,
}
