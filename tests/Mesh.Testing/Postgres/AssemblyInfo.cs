using System.Runtime.CompilerServices;

// The fixture's own tests (orphan clean-up) live with the schema tests.
[assembly: InternalsVisibleTo("Mesh.Postgres.Tests")]
