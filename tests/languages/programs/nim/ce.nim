let x: int = "text"
echo x
