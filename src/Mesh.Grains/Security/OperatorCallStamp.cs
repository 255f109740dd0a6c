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

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (OperatorMethods.IsOperatorOnly(context.InterfaceMethod))
        {
            RequestContext.Set(OperatorMethods.ProofKey, _secret);
        }

        return context.Invoke();
    }
}
