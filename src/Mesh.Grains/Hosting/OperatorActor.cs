namespace Mesh.Grains.Hosting;

/// <summary>
/// Who is making an operator call. The operator API puts the authenticated principal's name in the request context;
/// grains record it with every change. Only silo-internal callers can reach operator methods (see
/// <c>OperatorCallGuard</c>), so a client cannot forge it.
/// </summary>
public static class OperatorActor
{
    /// <summary>Request-context key.</summary>
    public const string Key = "mesh.actor";

    /// <summary>The current actor, or <c>system</c> when a call has none (start-up, internal work).</summary>
    public static string Current => RequestContext.Get(Key) as string ?? "system";

    /// <summary>Sets the actor for the calls the current flow makes.</summary>
    public static void Set(string actor) => RequestContext.Set(Key, actor);
}
