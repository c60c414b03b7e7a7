"""`python -m borderless`: the same as the `borderless` command."""

from borderless.cli import main

if __name__ == "__main__":
    main()
