"""The README's model table, generated from the catalog (a test keeps them equal)."""

from __future__ import annotations

from synaptic_groq import CATALOG_DATE, GroqModel, live_replacement


def _tokens(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def catalog_table() -> str:
    """Markdown table of every GroqModel member."""
    rows = [
        f"Models as of {CATALOG_DATE} (`synaptic_groq.CATALOG`; refresh with `list_models()`):",
        "",
        "| `GroqModel` member | API model id | context | max completion | lifecycle | use instead | capabilities |",
        "|---|---|---|---|---|---|---|",
    ]
    for member in GroqModel:
        info = member.info
        caps = [
            name
            for name, flag in (
                ("tools", info.tools),
                ("JSON schema", info.json_schema),
                ("reasoning", info.reasoning),
                ("vision", info.vision),
            )
            if flag
        ]
        instead = live_replacement(member.value)
        lifecycle = member.lifecycle.value + (f" ({info.note})" if info.note else "")
        rows.append(
            f"| `{member.name}` | `{member.value}` | {_tokens(info.context_window)} | "
            f"{_tokens(info.max_completion_tokens)} | {lifecycle} | "
            f"{f'`{instead}`' if instead else '-'} | {', '.join(caps) or '-'} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(catalog_table())
