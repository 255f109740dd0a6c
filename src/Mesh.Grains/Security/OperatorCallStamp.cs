using Mesh.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.Grains.Security;

/// <summary>
/// Outgoing filter on silos: stamps calls to operator methods with the cluster secret, so the receiving silo can tell
/// them from calls an Orleans client forged. Clients do not run this filter and do not know the secret.
/// </summary>
internal sealed class OperatorCallStamp(IOptions<MeshGrainOptions> options) : IOutgoingGrainCallFilter
{
    private readonly string _secret = options.Value.EffectiveSecret;

    public Task Invoke(IOutgoingGrainCallContext context) =>
        OperatorMethods.IsOperatorOnly(context.Request) ? InvokeStamped(context) : context.Invoke();

    private async Task InvokeStamped(IOutgoingGrainCallContext context)
    {
        RequestContext.Set(OperatorMethods.ProofKey, _secret);
        try
        {
            await context.Invoke();
        }
        finally
        {
            // The caller's flow must not carry the secret into whatever it calls next.
            RequestContext.Remove(OperatorMethods.ProofKey);
        }
    }
}
