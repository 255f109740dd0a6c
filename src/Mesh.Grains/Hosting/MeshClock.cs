namespace Mesh.Grains.Hosting;

/// <summary>Mesh's clock, from <see cref="MeshGrainOptions.TimeProvider"/>. Grains never read the system clock directly.</summary>
internal sealed class MeshClock(TimeProvider time)
{
    public TimeProvider Time => time;

    public DateTimeOffset UtcNow => time.GetUtcNow();
}
