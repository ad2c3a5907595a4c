using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// A button that looks like MudBlazor's <c>MudButton</c> (its classes and icon markup) but is plain elements
/// in the page's own render tree. A MudButton is a component with its own two render trees, parameter
/// state and element reference, a few KB for every open page; these buttons need none of it.
/// </summary>
/// <remarks>
/// Kept because the per-circuit benchmark measured it: the deployment page's buttons, chips and
/// tooltips as MudBlazor components were part of the 545 KiB a circuit cost before (380 KiB after, with
/// the shared pod and event rows). Dialogs, forms and the overview's controls stay MudBlazor
/// components: they showed no cost worth a copy of their markup.
/// </remarks>
public static class ActionButton
{
    /// <param name="receiver">The component whose handler this is (it re-renders after a click).</param>
    /// <param name="action">The button's <c>data-action</c>, which scripts and tests find it by, or null for none.</param>
    /// <param name="variant">MudBlazor's variant class: "filled", "outlined" or "text".</param>
    /// <param name="color">MudBlazor's color class: "primary", "warning", "success", "default"…</param>
    /// <param name="why">Shown on hover (the reason it is disabled), or null.</param>
    public static RenderFragment Render(object receiver, string? action, string label, string? icon, string variant, string color,
        bool disabled, Func<Task> onClick, string size = "medium", string? why = null, string? extraClass = null) => builder =>
    {
        if (why is not null)
        {
            builder.OpenElement(0, "span");
            builder.AddAttribute(1, "class", "action-why");
            builder.AddAttribute(2, "title", why);
        }
        builder.OpenElement(3, "button");
        builder.AddAttribute(4, "type", "button");
        builder.AddAttribute(5, "class", $"mud-button-root mud-button mud-button-{variant} mud-button-{variant}-{color} mud-button-{variant}-size-{size} mud-ripple{(extraClass is null ? "" : " " + extraClass)}");
        if (action is not null) builder.AddAttribute(6, "data-action", action);
        builder.AddAttribute(7, "disabled", disabled);
        builder.AddAttribute(8, "onclick", EventCallback.Factory.Create(receiver, onClick));
        builder.OpenElement(9, "span");
        builder.AddAttribute(10, "class", "mud-button-label");
        if (icon is not null)
        {
            builder.OpenElement(11, "span");
            builder.AddAttribute(12, "class", $"mud-button-icon-start mud-button-icon-size-{size}");
            builder.AddMarkupContent(13, IconMarkup.Svg(icon, size));
            builder.CloseElement();
        }
        builder.AddContent(14, label);
        builder.CloseElement();
        builder.CloseElement();
        if (why is not null) builder.CloseElement();
    };
}
