// placeholder: filled in by the hot-path work
