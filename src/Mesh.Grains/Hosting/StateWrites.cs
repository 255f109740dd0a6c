namespace Mesh.Grains.Hosting;

/// <summary>Writing grain state so that a failed write leaves nothing half-changed.</summary>
internal static class StateWrites
{
    /// <summary>
    /// Writes the state. If the store refuses, the in-memory copy no longer matches what is durable, so the
    /// activation is discarded: the next call reloads the last durable state instead of acting on a change that
    /// never happened.
    /// </summary>
    public static async Task WriteOrDiscardAsync<T>(this IPersistentState<T> state, IGrainContext grain)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            grain.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, ex, "state write failed; reloading from storage"));
            throw;
        }
    }
}
