void main() { int x = }
