module gossamer.test/gossipref

go 1.19
