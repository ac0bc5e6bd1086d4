x : Int32 = "text"
puts x
