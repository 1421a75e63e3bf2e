from medveil.cli import main

main()
