console.log(;
