using Dashboard.ClusterServices.Operations;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Web.Components.Dialogs;

/// <summary>
/// A dialog that runs one operation on Confirm. While it runs both buttons are disabled; a refusal
/// stays in the dialog, with what the person typed, so nothing is lost; success closes it with the
/// result for the page to announce.
/// </summary>
public abstract class OperationDialogBase : ComponentBase
{
    [CascadingParameter] public required IMudDialogInstance Dialog { get; set; }

    protected bool Running { get; private set; }
    protected OperationResult? Failure { get; private set; }

    protected async Task RunAsync(Func<Task<OperationResult>> operation)
    {
        if (Running) return;
        Running = true;
        Failure = null;
        OperationResult result;
        try
        {
            result = await operation();
        }
        catch (Exception e)
        {
            result = new OperationResult(OperationOutcome.Unavailable, $"The operation did not complete: {e.Message}");
        }
        finally
        {
            Running = false;
        }
        if (result.Ok) Dialog.Close(DialogResult.Ok(result));
        else Failure = result;
    }

    protected void Cancel() => Dialog.Cancel();
}
