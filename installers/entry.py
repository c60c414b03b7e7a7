"""The frozen app's entry point: the same as the `borderless` command."""

from borderless.cli import main

if __name__ == "__main__":
    main()
