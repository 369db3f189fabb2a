module gossamer.test/gobref

go 1.19
