"""`python -m gdcli` works like `gdcli`."""

from gdcli.cli.app import main

if __name__ == "__main__":
    main()
