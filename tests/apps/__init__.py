"""Small apps the tests synthesize in a process of their own."""
