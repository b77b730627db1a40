using Microsoft.Extensions.Primitives;

namespace ModelRouter.Storage;

/// <summary>Hands out change tokens and fires them all at once; a new token is armed for the next change.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A CancellationTokenSource without a timer holds no unmanaged resource; disposing one while tokens are handed out would break them.")]
internal sealed class ChangeSignal
{
    private CancellationTokenSource _source = new();

    public IChangeToken GetToken() => new CancellationChangeToken(Volatile.Read(ref _source).Token);

    public void Fire()
    {
        var old = Interlocked.Exchange(ref _source, new CancellationTokenSource());
        old.Cancel();
        old.Dispose();
    }
}
