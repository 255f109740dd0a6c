namespace Mesh.Contracts.Credentials;

/// <summary>Result of checking a credential for one request.</summary>
[GenerateSerializer, Immutable, Alias("mesh.CredentialCheck")]
public readonly record struct CredentialCheck([property: Id(0)] CredentialCheckOutcome Outcome, [property: Id(1)] long Version);
