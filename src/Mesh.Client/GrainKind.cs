using Orleans.Runtime;

namespace Mesh.Client;

/// <summary>
/// A grain interface's Orleans grain type and interface type, looked up once. <c>GetGrain&lt;T&gt;(key)</c> resolves
/// both from the interface's attributes on every call, which showed up as a few per cent of the SDK's CPU under load;
/// building the grain id from the cached type skips that.
/// </summary>
internal sealed class GrainKind<TGrain>
    where TGrain : IGrainWithStringKey
{
    private (GrainType Type, GrainInterfaceType Interface)? _kind;

    public TGrain Get(IGrainFactory factory, string key)
    {
        if (_kind is not { } kind)
        {
            var sample = (GrainReference)(object)factory.GetGrain<TGrain>(key);
            _kind = (sample.GrainId.Type, sample.InterfaceType);
            return (TGrain)(object)sample;
        }

        return (TGrain)factory.GetGrain(GrainId.Create(kind.Type, key), kind.Interface);
    }
}
