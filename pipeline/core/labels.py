"""The label contract (../shared/LABELS.md): fixed label order and ids."""

LABELS: tuple[str, ...] = ("fact", "quote", "policy", "opinion")
LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(LABELS)}
