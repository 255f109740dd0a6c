using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Mesh.Policy.Targets;

namespace Mesh.Policy.Destinations;

/// <summary>
/// The built-in server-side request forgery guard: decides whether a request's target points at loopback, link-local,
/// private, unspecified, reserved or cloud metadata destinations, in any spelling, including through DNS.
/// </summary>
/// <remarks>
/// A target that is not a network destination is allowed untouched. IP literals are classified without resolving.
/// Names are classified, then resolved, and every answer is classified; the checked addresses come back so the runtime
/// can connect to exactly those (pinning them defeats DNS rebinding). Resolution that fails, times out or returns
/// nothing sets <see cref="GuardResult.Problem"/>, and the caller must deny.
/// </remarks>
public sealed class DestinationGuard
{
    private const int MaxHostInMessage = 100;
    private static readonly GuardResult NotNetwork = new(false, DestinationCategory.None, [], null);

    private readonly IDestinationResolver _resolver;
    private readonly TimeSpan _resolveTimeout;
    private readonly TimeProvider _time;

    /// <summary>Creates a guard that resolves names through <paramref name="resolver"/>.</summary>
    /// <param name="resolver">Resolves host names; wrap it in a <see cref="CachingDestinationResolver"/>.</param>
    /// <param name="resolveTimeout">How long all resolution for one check may take; positive or infinite.</param>
    public DestinationGuard(IDestinationResolver resolver, TimeSpan resolveTimeout)
        : this(resolver, resolveTimeout, TimeProvider.System)
    {
    }

    /// <summary>Creates a guard whose resolve timeout runs on <paramref name="timeProvider"/>.</summary>
    /// <param name="resolver">Resolves host names; wrap it in a <see cref="CachingDestinationResolver"/>.</param>
    /// <param name="resolveTimeout">How long all resolution for one check may take; positive or infinite.</param>
    /// <param name="timeProvider">The clock for the timeout.</param>
    public DestinationGuard(IDestinationResolver resolver, TimeSpan resolveTimeout, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (resolveTimeout <= TimeSpan.Zero && resolveTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(resolveTimeout), resolveTimeout, "The resolve timeout must be positive or infinite.");
        }

        _resolver = resolver;
        _resolveTimeout = resolveTimeout;
        _time = timeProvider;
    }

    /// <summary>Checks one target.</summary>
    /// <param name="target">The request's target.</param>
    /// <param name="networkTool">True when the tool is a network tool, so a bare host name is a destination.</param>
    /// <param name="cancellationToken">Cancels the check; the caller then gets an <see cref="OperationCanceledException"/>.</param>
    /// <returns>
    /// For a target that is not a network destination: <c>IsNetwork</c> false and allowed. Otherwise the union of the
    /// blocked categories of every reading of the target, the addresses checked, and a problem when a name could not be
    /// checked. Completes synchronously, without resolving, when no name needs resolving.
    /// </returns>
    public ValueTask<GuardResult> CheckAsync(string? target, bool networkTool, CancellationToken cancellationToken = default) =>
        DestinationParser.TryParse(target, networkTool, out var candidates) ? CheckAsync(candidates, cancellationToken) : new(NotNetwork);

    /// <summary>
    /// Checks a canonical target: the categories its scheme alone puts it in (<see cref="DestinationCategory.Local"/>,
    /// <see cref="DestinationCategory.OtherScheme"/>) and, when it names a network destination, every reading of it.
    /// </summary>
    public ValueTask<GuardResult> CheckAsync(CanonicalTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Destinations is not { } destinations)
        {
            return new(target.SchemeCategories == DestinationCategory.None ? NotNetwork : new GuardResult(false, target.SchemeCategories, [], null));
        }

        var check = CheckAsync(destinations, cancellationToken);
        if (target.SchemeCategories == DestinationCategory.None)
        {
            return check;
        }

        return check.IsCompletedSuccessfully
            ? new(check.Result with { Blocked = check.Result.Blocked | target.SchemeCategories })
            : AddSchemeCategoriesAsync(check, target.SchemeCategories);
    }

    /// <summary>Checks a target the caller already parsed with <see cref="DestinationParser.TryParse"/> (a network target).</summary>
    public ValueTask<GuardResult> CheckAsync(IReadOnlyList<Destination> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var blocked = DestinationCategory.None;
        string? problem = null;
        var literals = new IPAddress[candidates.Count];
        var literalCount = 0;
        List<string>? toResolve = null;
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            if (candidate.Address is { } address)
            {
                blocked |= AddressClassifier.Classify(address);
                if (Array.IndexOf(literals, address, 0, literalCount) < 0)
                {
                    literals[literalCount++] = address;
                }

                continue;
            }

            var byName = AddressClassifier.ClassifyHostName(candidate.Host);
            if (byName != DestinationCategory.None)
            {
                blocked |= byName;
            }
            else if (!HostText.IsValidName(candidate.Host))
            {
                problem ??= $"'{Shorten(candidate.Host)}' is not a valid host name";
            }
            else if (toResolve is null)
            {
                toResolve = [candidate.Host];
            }
            else if (!toResolve.Contains(candidate.Host))
            {
                toResolve.Add(candidate.Host);
            }
        }

        // Once the answer is a deny there is nothing to gain from asking DNS (and a metadata name is never looked up).
        if (toResolve is null || blocked != DestinationCategory.None || problem is not null)
        {
            var checkedAddresses = literalCount == literals.Length ? literals : literals[..literalCount];
            return new(new GuardResult(true, blocked, ImmutableCollectionsMarshal.AsImmutableArray(checkedAddresses), problem));
        }

        return ResolveAndCheckAsync(toResolve, [.. literals.AsSpan(0, literalCount)], cancellationToken);
    }

    private async ValueTask<GuardResult> ResolveAndCheckAsync(List<string> hosts, List<IPAddress> addresses, CancellationToken cancellationToken)
    {
        var blocked = DestinationCategory.None;
        string? problem = null;
        using var deadline = new CancellationTokenSource(_resolveTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        foreach (var host in hosts)
        {
            IReadOnlyList<IPAddress>? resolved;
            try
            {
                // WaitAsync: a resolver that ignores its token still cannot hold the decision past the deadline.
                resolved = await _resolver.ResolveAsync(host, linked.Token).AsTask().WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = deadline.IsCancellationRequested
                    ? string.Create(CultureInfo.InvariantCulture, $"resolving '{Shorten(host)}' timed out after {_resolveTimeout.TotalMilliseconds:0} ms")
                    : $"could not resolve '{Shorten(host)}'";
                break;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                problem = $"could not resolve '{Shorten(host)}': {exception.Message}";
                break;
            }

            if (resolved is not { Count: > 0 })
            {
                problem = $"'{Shorten(host)}' resolved to no address";
                break;
            }

            var usable = 0;
            for (var i = 0; i < resolved.Count; i++)
            {
                if (resolved[i] is { } address)
                {
                    usable++;
                    blocked |= AddressClassifier.Classify(address);
                    AddDistinct(addresses, address);
                }
            }

            if (usable == 0)
            {
                problem = $"'{Shorten(host)}' resolved to no address";
                break;
            }

            if (blocked != DestinationCategory.None)
            {
                break;
            }
        }

        return new GuardResult(true, blocked, ToImmutable(addresses), problem);
    }

    private static async ValueTask<GuardResult> AddSchemeCategoriesAsync(ValueTask<GuardResult> check, DestinationCategory categories)
    {
        var result = await check.ConfigureAwait(false);
        return result with { Blocked = result.Blocked | categories };
    }

    private static ImmutableArray<IPAddress> ToImmutable(List<IPAddress> addresses) =>
        ImmutableCollectionsMarshal.AsImmutableArray(addresses.ToArray());

    private static void AddDistinct(List<IPAddress> addresses, IPAddress address)
    {
        if (!addresses.Contains(address))
        {
            addresses.Add(address);
        }
    }

    // Hosts come from agents: keep them short and free of control characters before they reach messages and logs.
    private static string Shorten(string host)
    {
        var span = host.AsSpan(0, Math.Min(host.Length, MaxHostInMessage));
        if (span.Length == host.Length && !span.ContainsAnyInRange('\0', '\x1f') && !span.Contains('\x7f'))
        {
            return host;
        }

        return string.Create(span.Length + (span.Length < host.Length ? 3 : 0), host, static (destination, source) =>
        {
            for (var i = 0; i < destination.Length; i++)
            {
                var c = i < MaxHostInMessage ? source[i] : '.';
                destination[i] = char.IsControl(c) ? '?' : c;
            }
        });
    }
}
