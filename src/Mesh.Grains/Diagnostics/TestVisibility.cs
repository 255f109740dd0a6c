using System.Runtime.CompilerServices;

// The observability tests (tests/Mesh.Silo.Tests/Observability) check the recording helpers allocate nothing without a
// listener, and cut a real silo off from the control plane to see its readiness fail.
[assembly: InternalsVisibleTo("Mesh.Silo.Tests")]
