namespace Mesh.Silo.Tests.Observability;

/// <summary>
/// Tests that attach a listener to the process-wide <c>Mesh</c> activity source (or need none attached) run one at a
/// time: a listener makes every silo in the process start spans.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ActivitySourceCollection
{
    public const string Name = "mesh-activity-source";
}
