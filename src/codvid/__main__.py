from codvid.cli import main

main()
