console.log("convene web client");
