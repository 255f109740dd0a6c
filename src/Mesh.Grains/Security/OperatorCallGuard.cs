using System.Security.Cryptography;
using System.Text;
using Mesh.Contracts.Errors;
using Microsoft.Extensions.Logging;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.Grains.Security;

/// <summary>
/// Incoming filter on silos: an Orleans client may call only the runtime surface (decide, report outcome, wait for
/// an approval). Operator methods need the cluster-internal proof that <see cref="OperatorCallStamp"/> adds, so they
/// can be reached only through the silo's own operator API or from other grains.
/// </summary>
internal sealed partial class OperatorCallGuard(IOptions<MeshGrainOptions> options, ILogger<OperatorCallGuard> logger) : IIncomingGrainCallFilter
{
    private readonly byte[] _secret = Encoding.UTF8.GetBytes(options.Value.EffectiveSecret);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (!OperatorMethods.IsOperatorOnly(context.Request))
        {
            return context.Invoke();
        }

        var proof = RequestContext.Get(OperatorMethods.ProofKey) as string;
        if (IsFromExternalClient(context.SourceId) || !IsValidProof(proof))
        {
            var method = $"{context.InterfaceMethod.DeclaringType?.Name}.{context.InterfaceMethod.Name}";
            LogWarningRefused(logger, method, context.SourceId?.ToString() ?? "unknown");
            throw new MeshException(
                MeshErrorCode.AccessDenied,
                $"{method} is an operator call. Orleans clients may only call the runtime surface (Decide, ReportOutcome, WaitForApproval); operators use the authenticated HTTP API.");
        }

        // The proof has done its job; do not let it ride along on calls this grain makes next.
        RequestContext.Remove(OperatorMethods.ProofKey);
        return context.Invoke();
    }

    // Silos host an in-process client ("hosted-<silo>") for their own non-grain code; every other client id is an
    // external Orleans client connected through a gateway.
    private static bool IsFromExternalClient(GrainId? source) =>
        source is { } id
        && GrainTypePrefix.IsClient(id)
        && !id.Key.ToString()!.StartsWith("hosted-", StringComparison.Ordinal);

    private bool IsValidProof(string? proof)
    {
        if (proof is null || proof.Length > 256)
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[256 * 3];
        var length = Encoding.UTF8.GetBytes(proof, buffer);
        return CryptographicOperations.FixedTimeEquals(buffer[..length], _secret);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused operator call {Method} from {Source}: not a cluster-internal caller")]
    private static partial void LogWarningRefused(ILogger logger, string method, string source);
}
